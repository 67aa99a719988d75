lib_two_0:
  test.fail_without_changes:
    - watch:
      - main_0
