"""umm.config"""
