"""The refresh tests' isolated envmgr home (refresh_helpers.knowledge_home), for every test here."""
from refresh_helpers import knowledge_home  # noqa: F401
