"""umm.solver"""
