"""umm.package"""
