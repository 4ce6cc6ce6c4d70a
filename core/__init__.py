"""What the apps share: geodesy, import helpers, table parsing, API parameters and
permissions, versioning. `core` imports no app of the project."""
