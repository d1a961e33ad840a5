import MiniDRAW
print("minidraw")
