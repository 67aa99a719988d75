base:
  '*':
    - common
dev:
  '*':
    - devthing
