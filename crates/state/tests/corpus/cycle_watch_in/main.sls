a:
  test.nop:
    - watch_in:
      - test: b
b:
  test.nop:
    - watch_in:
      - test: a
c:
  test.nop: []
