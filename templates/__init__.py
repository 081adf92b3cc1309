"""Default page templates (Jinja2). Installed, this folder is the package `generator.templates`.

A digest project overrides any of them by putting a file of the same name in its own
`templates/` folder.
"""
