lib_two_0:
  test.succeed_without_changes:
    - require_in:
      - lib_one_0
    - watch:
      - main_1
