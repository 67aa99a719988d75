base:
  '*':
    - web
  'G@roles:db':
    - match: compound
    - db
