include:
  - ..outside
extend:
  ghost_id:
    test.nop:
      - comment: x
a:
  test.nop:
    - require:
      - test: b
b:
  test.nop:
    - require:
      - test: a
