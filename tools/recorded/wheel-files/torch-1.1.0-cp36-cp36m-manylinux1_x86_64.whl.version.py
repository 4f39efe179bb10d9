__version__ = '1.1.0'
debug = False
cuda = '9.0.176'
git_version = '20607a99a31ec5405ca6aa92bc7e7bf768b7bc43'
