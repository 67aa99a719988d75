a:
  test.nop:
    - require:
      - test: b
b:
  test.nop:
    - require:
      - test: a
self_req:
  test.nop:
    - require:
      - test: self_req
