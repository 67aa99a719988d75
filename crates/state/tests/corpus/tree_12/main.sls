include:
  - lib
main_0:
  test.succeed_with_changes:
    - names:
      - main_0_x
      - main_0_y:
        - comment: y
    - listen:
      - lib_1
