lib_one_0:
  test.nop:
    - comment: plain
lib_one_1:
  test.nop:
    - require:
      - main_0
lib_one_2:
  test.succeed_without_changes:
    - names:
      - lib_one_2_x
      - lib_one_2_y:
        - comment: y
