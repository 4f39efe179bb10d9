__version__ = '1.9.0+cu102'
debug = False
cuda = '10.2'
git_version = 'd69c22dd61a2f006dcfe1e3ea8468a3ecaf931aa'
hip = None
