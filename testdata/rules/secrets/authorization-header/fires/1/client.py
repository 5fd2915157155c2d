subprocess.run(["curl", "-H", "X-Api-Key: FgghYwS7texxkS1PitdBPuELgE", url])
