base:
  '*':
    - common
  'role:web':
    - match: grain
    - web
  'test-minion,other-minion':
    - match: list
    - other
  'nomatch*':
    - never
  'test-* and not G@role:db':
    - other
