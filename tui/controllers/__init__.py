"""The work behind the main screen's requests, one controller per feature (node actions, shells, logs).

A controller holds the feature's state and an explicit reference to the screen it serves; it starts that screen's
workers and pushes the screens the feature needs. Widgets never import controllers: they post requests, which
the screen hands to the controller. Controllers never import `tui.screens.main` at run time (the screen imports
them), so the screens a controller pushes are given to it by the screen.
"""
