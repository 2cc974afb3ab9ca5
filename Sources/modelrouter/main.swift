print("modelrouter")
