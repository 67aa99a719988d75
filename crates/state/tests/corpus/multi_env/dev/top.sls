dev:
  '*':
    - devother
base:
  'test-minion':
    - sneaky
