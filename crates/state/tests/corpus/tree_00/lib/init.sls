include:
  - .one
  - lib.two
lib_0:
  cmd.run:
    - name: echo lib_0
    - onlyif: 'false'
    - use:
      - main_0
    - use:
      - lib_two_1
lib_1:
  test.succeed_without_changes:
    - watch_in:
      - lib_one_1
