lib_two_0:
  test.nop:
    - names:
      - lib_two_0_x
      - lib_two_0_y:
        - comment: y
