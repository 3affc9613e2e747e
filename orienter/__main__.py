from orienter.cli.app import main

main()
