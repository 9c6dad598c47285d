"""umm.specs"""
