include:
  - lib
exclude:
  - id: lib_two_1
main_0:
  test.fail_without_changes:
    - use:
      - lib_0
