lib_one_0:
  test.nop:
    - comment: plain
lib_one_1:
  test.nop:
    - listen:
      - lib_2
