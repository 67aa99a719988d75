include:
  - .one
  - lib.two
lib_0:
  cmd.run:
    - name: echo lib_0
    - onlyif: 'true'
    - prereq:
      - main_1
lib_1:
  test.succeed_without_changes:
    - watch:
      - lib_one_2
