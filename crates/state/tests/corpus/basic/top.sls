base:
  '*':
    - basic
