extend:
  ghost_id:
    test.nop:
      - comment: x
real:
  test.nop: []
