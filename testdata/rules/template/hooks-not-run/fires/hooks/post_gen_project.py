import shutil

shutil.rmtree("docs")
