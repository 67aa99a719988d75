include:
  - .one
  - lib.two
lib_0:
  test.succeed_with_changes:
    - watch_in:
      - main_2
lib_1:
  test.succeed_with_changes:
    - watch_in:
      - main_2
