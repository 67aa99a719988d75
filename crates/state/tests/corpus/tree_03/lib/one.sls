lib_one_0:
  test.succeed_without_changes:
    - names:
      - lib_one_0_x
      - lib_one_0_y:
        - comment: y
lib_one_1:
  test.fail_without_changes:
    - names:
      - lib_one_1_x
      - lib_one_1_y:
        - comment: y
    - watch_in:
      - lib_one_0
