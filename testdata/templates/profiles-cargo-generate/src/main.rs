fn main() {
    println!("{{project-name}}");
}
