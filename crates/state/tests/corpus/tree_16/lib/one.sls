lib_one_0:
  test.succeed_with_changes:
    - comment: plain
lib_one_1:
  test.succeed_with_changes:
    - onchanges:
      - main_2
lib_one_2:
  test.nop:
    - names:
      - lib_one_2_x
      - lib_one_2_y:
        - comment: y
    - onchanges:
      - lib_1
    - use:
      - lib_one_1
