"""Fixed names the lifecycle lab uses, shown on the page as they are."""

#: A demo account with no permissions: its password guards nothing, so the page shows it.
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "session-inspector-demo"

#: The list the nested-mutation buttons append to.
NESTED_KEY = "cart"
NESTED_ITEM = "apple"
NESTED_MAX = 20
