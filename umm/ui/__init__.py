"""umm.ui"""
