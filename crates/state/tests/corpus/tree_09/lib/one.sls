lib_one_0:
  cmd.run:
    - name: echo lib_one_0
    - unless: 'true'
lib_one_1:
  cmd.run:
    - name: echo lib_one_1
    - unless: 'false'
lib_one_2:
  test.succeed_without_changes:
    - prereq:
      - lib_one_0
