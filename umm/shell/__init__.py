"""umm.shell"""
