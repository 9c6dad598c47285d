"""umm.envfile"""
