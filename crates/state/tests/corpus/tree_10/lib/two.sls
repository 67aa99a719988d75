lib_two_0:
  test.nop:
    - comment: plain
