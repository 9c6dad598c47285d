"""umm.install"""
