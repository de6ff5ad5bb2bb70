"""Every module of this package that loads libsbml (or a library that does) comes after this line."""
import libsedml  # noqa: F401,E402  before libsbml: python-libsedml loaded after libsbml breaks libsbml's ASTNode.getType() (../shared/TOOLCHAIN.md)
