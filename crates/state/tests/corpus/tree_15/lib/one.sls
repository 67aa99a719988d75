lib_one_0:
  test.succeed_with_changes:
    - names:
      - lib_one_0_x
      - lib_one_0_y:
        - comment: y
    - onchanges_in:
      - main_0
