fn main() {
    println!("listening on {{port}}");
}
