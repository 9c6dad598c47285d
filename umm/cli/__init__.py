"""umm.cli"""
