lib_one_0:
  cmd.run:
    - name: echo lib_one_0
    - onlyif: 'true'
