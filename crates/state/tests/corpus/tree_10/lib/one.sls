lib_one_0:
  test.succeed_with_changes:
    - names:
      - lib_one_0_x
      - lib_one_0_y:
        - comment: y
    - require_in:
      - main_0
lib_one_1:
  test.succeed_without_changes:
    - onchanges_in:
      - main_1
