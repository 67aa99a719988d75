zeta:
  test.nop: []
alpha:
  test.nop: []
mid:
  test.nop:
    - order: 1
beta:
  test.nop:
    - require:
      - zeta
