"""The sftcast leaderboard: submissions, a durable results store and a Gradio app."""
