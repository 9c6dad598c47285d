"""umm.repodata"""
