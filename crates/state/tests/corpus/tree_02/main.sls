include:
  - lib
main_0:
  test.fail_without_changes:
    - names:
      - main_0_x
      - main_0_y:
        - comment: y
    - require_in:
      - main_2
main_1:
  test.fail_without_changes:
    - comment: plain
main_2:
  test.fail_without_changes:
    - comment: plain
