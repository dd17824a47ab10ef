"""Fixed names the lifecycle lab uses, shown on the page as they are."""

#: A demo account with no permissions and no usable password (see migrations/0001).
DEMO_USERNAME = "demo"

#: The list the nested-mutation buttons append to.
NESTED_KEY = "cart"
NESTED_ITEM = "apple"
NESTED_MAX = 20
