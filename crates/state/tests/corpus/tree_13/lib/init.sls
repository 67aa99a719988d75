include:
  - .one
  - lib.two
lib_0:
  test.fail_without_changes:
    - comment: plain
lib_1:
  test.succeed_with_changes:
    - watch:
      - lib_one_1
    - require_in:
      - lib_two_1
lib_2:
  test.succeed_without_changes:
    - names:
      - lib_2_x
      - lib_2_y:
        - comment: y
    - require_in:
      - main_1
