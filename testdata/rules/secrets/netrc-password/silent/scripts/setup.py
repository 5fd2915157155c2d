machine api.wandb.ai login user password $WANDB_API_KEY
